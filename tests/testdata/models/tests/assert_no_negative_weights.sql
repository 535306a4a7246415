{{ config(severity='warn') }}
-- Weights are physical masses: never negative.
select event_id, weight_kg
from {{ ref('fct_events') }}
where weight_kg < 0
