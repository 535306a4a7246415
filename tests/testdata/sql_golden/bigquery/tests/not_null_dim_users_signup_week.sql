-- not_null: dim_users.signup_week
select *
from `terraloop_marts.dim_users`
where signup_week is null
