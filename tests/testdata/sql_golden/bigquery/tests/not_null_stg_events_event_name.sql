-- not_null: stg_events.event_name
select *
from `terraloop_staging.stg_events`
where event_name is null
