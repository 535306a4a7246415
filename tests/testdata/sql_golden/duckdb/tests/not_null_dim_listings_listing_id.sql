-- not_null: dim_listings.listing_id
select *
from marts.dim_listings
where listing_id is null
