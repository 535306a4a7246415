-- not_null: stg_users.signup_at
select *
from `terraloop_staging.stg_users`
where signup_at is null
