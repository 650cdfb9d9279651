"""FiveWatch spiders, one package per jurisdiction: each source's spider with its vocabularies
and pure readers beside it. Scrapy finds them by walking this package (SPIDER_MODULES)."""
