"""What every HTTP adapter shares: the node's engine and settings, and who is asking."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import Engine

from gotong.core.auth import ANONYMOUS, Principal
from gotong.db.engine import read_connection
from gotong.errors import Unauthorized
from gotong.orgs.service import authenticate
from gotong.settings import Settings


def get_engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_principal(request: Request) -> Principal:
    """Authenticate by ``Authorization: Bearer TOKEN`` or HTTP Basic (user = token owner, password = token).

    No header means an anonymous reader, who may only read public collections.
    """
    header = request.headers.get("authorization")
    if not header:
        return ANONYMOUS
    scheme, _, credentials = header.partition(" ")
    scheme = scheme.lower()
    engine = get_engine(request)
    if scheme == "bearer" and credentials.strip():
        with read_connection(engine) as conn:
            return authenticate(conn, token=credentials.strip())
    if scheme == "basic":
        try:
            decoded = base64.b64decode(credentials.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            raise Unauthorized("the Basic credentials are not valid base64 of user:token") from None
        username, sep, token = decoded.partition(":")
        if not sep or not token:
            raise Unauthorized("Basic credentials must be user:token")
        with read_connection(engine) as conn:
            return authenticate(conn, token=token, username=username)
    raise Unauthorized("use 'Authorization: Bearer <token>' or HTTP Basic with the token as password")


EngineDep = Annotated[Engine, Depends(get_engine)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
PrincipalDep = Annotated[Principal, Depends(get_principal)]
