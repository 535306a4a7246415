-- Weights are physical masses: never negative.
select event_id, weight_kg
from marts.fct_events
where weight_kg < 0
