-- not_null: stg_listings.weight_kg
select *
from staging.stg_listings
where weight_kg is null
