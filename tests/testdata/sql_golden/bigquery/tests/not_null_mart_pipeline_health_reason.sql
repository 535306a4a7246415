-- not_null: mart_pipeline_health.reason
select *
from `terraloop_marts.mart_pipeline_health`
where reason is null
