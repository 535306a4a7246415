-- not_null: mart_pipeline_health.stage
select *
from marts.mart_pipeline_health
where stage is null
