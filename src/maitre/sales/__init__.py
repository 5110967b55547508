"""Sales: leads (people who might buy) and deals (a pipeline of possible sales).

``leads`` and ``deals`` are the two service modules; ``leads.convert`` turns a lead into a
customer and a deal in one step.
"""
