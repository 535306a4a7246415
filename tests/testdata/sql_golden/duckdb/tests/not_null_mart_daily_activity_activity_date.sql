-- not_null: mart_daily_activity.activity_date
select *
from marts.mart_daily_activity
where activity_date is null
