-- not_null: fct_events.event_at
select *
from marts.fct_events
where event_at is null
