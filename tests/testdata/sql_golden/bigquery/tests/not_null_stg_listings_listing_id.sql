-- not_null: stg_listings.listing_id
select *
from `terraloop_staging.stg_listings`
where listing_id is null
