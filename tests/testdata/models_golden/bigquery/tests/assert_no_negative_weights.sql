-- Weights are physical masses: never negative.
select event_id, weight_kg
from `terraloop_marts.fct_events`
where weight_kg < 0
