-- not_null: stg_users.tier
select *
from `terraloop_staging.stg_users`
where tier is null
