-- not_null: fct_events.event_at
select *
from `terraloop_marts.fct_events`
where event_at is null
