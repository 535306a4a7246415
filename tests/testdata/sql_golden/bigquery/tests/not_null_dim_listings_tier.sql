-- not_null: dim_listings.tier
select *
from `terraloop_marts.dim_listings`
where tier is null
