-- not_null: stg_events.event_id
select *
from staging.stg_events
where event_id is null
