-- not_null: mart_user_funnel.user_id
select *
from marts.mart_user_funnel
where user_id is null
