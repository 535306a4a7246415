-- not_null: stg_users.user_id
select *
from staging.stg_users
where user_id is null
