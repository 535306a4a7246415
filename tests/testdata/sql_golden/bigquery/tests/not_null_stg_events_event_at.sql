-- not_null: stg_events.event_at
select *
from `terraloop_staging.stg_events`
where event_at is null
