"""Open data and feeds: the published files, their page, Atom feeds and the sitemap.

- :mod:`~communs.opendata.schemas` (pure): the Table Schemas of the files;
- :mod:`~communs.opendata.datasets`: the registry of datasets (repositories,
  organisations; the catalogue registers its own later);
- :mod:`~communs.opendata.publish`: ``publish_open_data()`` writes the files atomically,
  ``refresh_open_data()`` is what imports and harvests call;
- :mod:`~communs.opendata.views`: ``/open-data/`` and the files, ``/robots.txt``;
- :mod:`~communs.opendata.feeds`: Atom feeds under ``/feeds/``;
- :mod:`~communs.opendata.sitemaps`: ``/sitemap.xml`` and its sections.
"""
