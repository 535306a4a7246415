-- not_null: stg_listings.listing_id
select *
from staging.stg_listings
where listing_id is null
