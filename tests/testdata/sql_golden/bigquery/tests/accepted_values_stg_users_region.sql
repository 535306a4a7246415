-- accepted_values: stg_users.region
select
    region as value_field,
    count(*) as n_records
from `terraloop_staging.stg_users`
where region is not null
    and region not in ('NA', 'EMEA', 'APAC', 'LATAM')
group by region
