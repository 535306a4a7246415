-- unique_combination: mart_daily_activity(activity_date, region, tier)
select
    activity_date, region, tier,
    count(*) as n_records
from marts.mart_daily_activity
group by activity_date, region, tier
having count(*) > 1
