-- not_null: dim_users.user_id
select *
from marts.dim_users
where user_id is null
