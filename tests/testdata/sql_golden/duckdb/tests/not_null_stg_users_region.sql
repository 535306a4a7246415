-- not_null: stg_users.region
select *
from staging.stg_users
where region is null
