-- not_null: dim_listings.user_id
select *
from marts.dim_listings
where user_id is null
