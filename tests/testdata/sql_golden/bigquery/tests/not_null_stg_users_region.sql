-- not_null: stg_users.region
select *
from `terraloop_staging.stg_users`
where region is null
