-- not_null: stg_events.user_id
select *
from staging.stg_events
where user_id is null
