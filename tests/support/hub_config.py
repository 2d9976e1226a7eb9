"""JupyterHub config for the e2e Hub (tests/support/hub.py passes its settings in NAPARI_CUDA_HUB_TEST)."""

import json
import os

s = json.loads(os.environ["NAPARI_CUDA_HUB_TEST"])
root = s["root"]
c = get_config()  # type: ignore[name-defined]  # noqa: F821 (JupyterHub's config loader defines it)

c.JupyterHub.bind_url = f"http://127.0.0.1:{s['port']}"
c.JupyterHub.hub_bind_url = f"http://127.0.0.1:{s['hub_port']}"
c.JupyterHub.db_url = f"sqlite:///{root}/jupyterhub.sqlite"
c.JupyterHub.cookie_secret_file = f"{root}/jupyterhub_cookie_secret"
c.JupyterHub.pid_file = f"{root}/jupyterhub.pid"
c.JupyterHub.cleanup_servers = True
c.JupyterHub.cleanup_proxy = True
c.JupyterHub.log_level = "INFO"

c.ConfigurableHTTPProxy.command = [s["chp"]]
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{s['api_port']}"
c.ConfigurableHTTPProxy.pid_file = f"{root}/proxy.pid"
c.ConfigurableHTTPProxy.should_start = True

c.JupyterHub.authenticator_class = "jupyterhub.auth.DummyAuthenticator"
c.DummyAuthenticator.password = s["password"]
c.Authenticator.allow_all = True

# The test drives the Hub's REST API and the users' servers with this service's token.
c.JupyterHub.services = [{"name": "e2e", "api_token": s["api_token"]}]
c.JupyterHub.load_roles = [
    {
        "name": "e2e-admin",
        "scopes": ["admin:users", "admin:servers", "access:servers", "list:users"],
        "services": ["e2e"],
    }
]

c.JupyterHub.spawner_class = "jupyterhub.spawner.SimpleLocalProcessSpawner"
c.SimpleLocalProcessSpawner.home_dir_template = f"{root}/home/{{username}}"
c.Spawner.notebook_dir = f"{root}/home/{{username}}"
c.Spawner.cmd = [s["singleuser"]]
c.Spawner.default_url = "/lab"
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 120
c.Spawner.args = [
    "--LabApp.expose_app_in_browser=True",
    "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    "--LabApp.news_url=None",
    "--LabApp.extension_manager=readonly",
    *(["--allow-root"] if s["allow_root"] else []),
]
# This venv first, so the server, its kernels and napari_cuda's daemon are the ones under test.
c.Spawner.environment = {
    "PATH": s["path"],
    "JUPYTER_RUNTIME_DIR": s["runtime_dir"],
    "JUPYTERLAB_SETTINGS_DIR": f"{root}/settings",
    "JUPYTERLAB_WORKSPACES_DIR": f"{root}/workspaces",
}
