-- accepted_values: mart_pipeline_health.stage
select
    stage as value_field,
    count(*) as n_records
from marts.mart_pipeline_health
where stage is not null
    and stage not in ('load', 'staging', 'marts')
group by stage
