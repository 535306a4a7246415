-- not_null: stg_users.tier
select *
from staging.stg_users
where tier is null
