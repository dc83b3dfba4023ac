"""Spellings of one name written first in another script (fault `transliteration`).

A name written in Arabic, Bengali, Urdu, Chinese, Cyrillic, Greek, Hebrew,
Devanagari, Gurmukhi, Tamil or Ge'ez script has no single Latin spelling: each
system's staff write it as they hear it or as a document spells it, so one
person is Mohammed in one file and Muhammad in the next. Each line below is one
name's spellings; a record whose forename or surname is one of them may carry
another (drawn evenly). Names after `>` are English spellings a transliteration
can produce but whose bearers mostly write them that way themselves, so they
are never respelt (a British Alexander stays Alexander).

Left out on purpose: names already written in Latin script whose variants are
only diacritics (Nguyễn, Nguyên and Nguyen are one name once accents are
folded, as staging does, so Nguyen stays Nguyen; Seán/Sean), and anglicised
forms that are another name rather than another spelling (Siobhán/Joan).
Lines whose names the borough's pools (names.py) do not hold (Sergey, Olga,
Aleksandr, Abdul Rahman) never fire here; they keep the table a list of real
variants rather than of the pools' names.
"""

from __future__ import annotations

from collections.abc import Mapping

_TABLE = """
Muhammad, Mohammed, Mohamed, Mohammad, Mohamad, Muhammed
Ahmed, Ahmad, Ahmet
Yusuf, Yousef, Youssef, Yusef, Yousuf
Hussain, Hussein, Husain, Hossain, Hossein
Hassan, Hasan
Omar, Umar
Ibrahim, Ebrahim, Ibraheem
Usman, Osman, Uthman
Tariq, Tarik, Tareq
Khaled, Khalid
Mahmoud, Mahmood, Mehmood, Mahmud
Abdul Rahman, Abdulrahman, Abdur Rahman, Abdirahman
Aisha, Ayesha, Aysha, Aishah
Fatima, Fatimah, Fatma
Maryam, Mariam, Meryem
Khadija, Khadijah, Khadeeja
Zainab, Zaynab, Zeinab
Yasmin, Yasmine, Yasmeen
Noor, Nour, Nur
Layla, Leila, Laila, Leyla
Chaudhry, Choudhury, Chowdhury, Chaudhary, Choudhry
Rahman, Rehman
Qureshi, Quraishi, Kureshi
Siddiqui, Siddiqi, Siddique
Sheikh, Shaikh, Sheik
Al-Hassan, Alhassan, Al Hassan
El-Sayed, Elsayed, El Sayed, Al-Sayed
Zhang, Chang, Cheung
Wang, Wong
Chen, Chan
Liu, Lau
Zhou, Chow, Chou
Xu, Hsu, Tsui
Zhao, Chiu, Chao
Yang, Yeung
Leung, Liang
Aleksandr, Alexandr, Oleksandr > Alexander
Sergey, Sergei, Serhiy
Olga, Olha
Mariya, Mariia, Marija > Maria
Natalia, Natalya, Nataliya
Ivanov, Ivanoff, Iwanow
Petrov, Petroff, Petrow
Dimitar, Dimitr, Dmitri
Georgios, Giorgos, Yiorgos
Panayiotis, Panagiotis, Panayotis
Costas, Kostas
Christodoulou, Hristodoulou
Constantinou, Konstantinou
Charalambous, Haralambous, Charalambos
Yosef, Yossef, Yoseph
Moshe, Moishe, Mosheh
Chana, Chanah, Hana
Levy, Levi, Levie
Shapiro, Shapira, Schapiro
Lakshmi, Laxmi
Geeta, Gita, Geetha
Pooja, Puja
Kavita, Kavitha
Harpreet, Harprit
Gurpreet, Gurprit
Chauhan, Chouhan
Thakkar, Thaker, Thakar
Tesfaye, Tesfay, Tesfai
"""


def _parse(text: str) -> dict[str, tuple[str, ...]]:
    """Each respellable name -> the other spellings it can take."""
    variants: dict[str, tuple[str, ...]] = {}
    for line in text.strip().splitlines():
        sources_text, _, targets_text = line.partition(">")
        sources = [name.strip() for name in sources_text.split(",") if name.strip()]
        targets = [name.strip() for name in targets_text.split(",") if name.strip()]
        for name in sources:
            if name in variants:
                raise ValueError(f"{name!r} is in two lines of the transliteration table")
            variants[name] = tuple(other for other in sources + targets if other != name)
    return variants


#: Name -> its other spellings, in table order (names after `>` are never keys).
TRANSLITERATIONS: Mapping[str, tuple[str, ...]] = _parse(_TABLE)
