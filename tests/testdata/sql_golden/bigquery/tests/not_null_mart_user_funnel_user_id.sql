-- not_null: mart_user_funnel.user_id
select *
from `terraloop_marts.mart_user_funnel`
where user_id is null
