-- not_null: stg_events.event_name
select *
from staging.stg_events
where event_name is null
