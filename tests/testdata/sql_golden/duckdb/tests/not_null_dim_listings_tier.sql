-- not_null: dim_listings.tier
select *
from marts.dim_listings
where tier is null
