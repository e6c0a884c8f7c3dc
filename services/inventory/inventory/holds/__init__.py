"""Holds: stock reserved at checkout before there is an order (POST /holds), claimed by the order that
names it, or released, sold over the counter, or expired."""
