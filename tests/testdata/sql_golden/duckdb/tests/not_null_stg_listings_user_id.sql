-- not_null: stg_listings.user_id
select *
from staging.stg_listings
where user_id is null
