"""What every domain stands on: who is asking (auth), domain events, the job runner."""
