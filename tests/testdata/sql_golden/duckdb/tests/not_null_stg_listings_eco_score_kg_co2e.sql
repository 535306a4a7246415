-- not_null: stg_listings.eco_score_kg_co2e
select *
from staging.stg_listings
where eco_score_kg_co2e is null
