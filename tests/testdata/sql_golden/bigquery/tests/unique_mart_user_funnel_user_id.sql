-- unique: mart_user_funnel.user_id
select
    user_id as unique_field,
    count(*) as n_records
from `terraloop_marts.mart_user_funnel`
where user_id is not null
group by user_id
having count(*) > 1
