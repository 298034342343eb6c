namespace shoplytics {}
