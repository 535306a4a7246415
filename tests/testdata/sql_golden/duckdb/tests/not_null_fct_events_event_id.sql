-- not_null: fct_events.event_id
select *
from marts.fct_events
where event_id is null
