-- accepted_values: stg_users.tier
select
    tier as value_field,
    count(*) as n_records
from staging.stg_users
where tier is not null
    and tier not in ('Basic', 'Pro', 'Enterprise')
group by tier
