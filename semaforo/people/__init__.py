"""People: who may see what (`access`, pure) and owners added, invited and redeemed (`owners`)."""
