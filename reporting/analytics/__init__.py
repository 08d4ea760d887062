"""What HQ, a province and a district see of the programme's figures: dashboards with charts, maps, trends and the
catalogue's page. Everything is read from the indicator catalogue (``reporting.indicators``)."""
