-- unique_combination: mart_daily_activity(activity_date, region)
select
    activity_date, region,
    count(*) as n_records
from marts.mart_daily_activity
group by activity_date, region
having count(*) > 1
