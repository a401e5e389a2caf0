"""When runs happen: the daily schedule, the weekly retraining and the drift-triggered retrain sensor."""
