-- not_null: stg_events.event_at
select *
from staging.stg_events
where event_at is null
