"""Lambda Editor: edit deployed AWS Lambda functions; every save deploys.

The core of the package. It never imports `sublime`: the Sublime adapter (`sublime_adapter`) and the
command line (`cli`) are thin layers over it.
"""

__version__ = "0.2.0"
