select * from `terraloop_staging.stg_events` where has_bad_weight or has_bad_eco_score
