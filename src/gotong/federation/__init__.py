"""Federation: nodes exchanging intelligence with their peers, the sharing rules enforced by the sender."""
