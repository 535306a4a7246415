-- not_null: fct_events.event_id
select *
from `terraloop_marts.fct_events`
where event_id is null
